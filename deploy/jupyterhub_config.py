"""JupyterHub for one classroom server (README: 课堂：JupyterHub).

Installed by deploy/setup-server.sh as $CRM_HUB_PREFIX/etc/jupyterhub_config.py and started as root
(systemd unit deploy/crm-jupyterhub.service, or ``jupyterhub -f …`` by hand). Its settings come from
the environment (the unit reads $CRM_HUB_PREFIX/etc/crm-hub.env, written by setup-server.sh):

  CRM_HUB_PREFIX         /opt/crm-course: venv/ (the course environment), proxy/ (configurable-http-proxy)
  CRM_HUB_STATE          $CRM_HUB_PREFIX/state: the hub's database and cookie secret
  CRM_EXCHANGE           /srv/nbgrader/exchange: nbgrader's exchange, a shared folder
  CRM_INSTRUCTORS        teacher: Unix users who teach (comma-separated): hub admins, formgrader
  CRM_HUB_IP, CRM_HUB_PORT   address the hub listens on ('' = every address; 8000)
  CRM_HUB_SSL_KEY, CRM_HUB_SSL_CERT   HTTPS (strongly advised: students type passwords)
  CRM_HUB_API_PORT, CRM_HUB_HUB_PORT  the proxy's API and the hub's own port (8001, 8081; local only)

Every person is a Unix account (deploy/add-students.sh creates the students): nbgrader takes the
student id from the operating-system user, and the exchange's permissions keep one student's
submission and feedback from another. Accounts log in with their Unix password (PAM); only
members of the groups crm-students and crm-instructors may log in. Each server runs as its own
user (LocalProcessSpawner) from the course environment, in the user's home (mode 700).
"""
import os

c = get_config()  # noqa: F821 (provided by JupyterHub)

env = os.environ.get
PREFIX = env("CRM_HUB_PREFIX", "/opt/crm-course")
VENV = os.path.join(PREFIX, "venv")
STATE = env("CRM_HUB_STATE") or os.path.join(PREFIX, "state")
EXCHANGE = env("CRM_EXCHANGE", "/srv/nbgrader/exchange")
INSTRUCTORS = {name.strip() for name in env("CRM_INSTRUCTORS", "teacher").split(",") if name.strip()}
STUDENTS_GROUP = env("CRM_STUDENTS_GROUP", "crm-students")
INSTRUCTORS_GROUP = env("CRM_INSTRUCTORS_GROUP", "crm-instructors")

# --- the hub -----------------------------------------------------------------------------------
c.JupyterHub.ip = env("CRM_HUB_IP", "")
c.JupyterHub.port = int(env("CRM_HUB_PORT", "8000"))
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env("CRM_HUB_HUB_PORT", "8081"))
if env("CRM_HUB_SSL_KEY") and env("CRM_HUB_SSL_CERT"):
    c.JupyterHub.ssl_key = env("CRM_HUB_SSL_KEY")
    c.JupyterHub.ssl_cert = env("CRM_HUB_SSL_CERT")
os.makedirs(STATE, mode=0o700, exist_ok=True)
c.JupyterHub.db_url = "sqlite:///" + os.path.join(STATE, "jupyterhub.sqlite")
c.JupyterHub.cookie_secret_file = os.path.join(STATE, "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.command = [os.path.join(PREFIX, "proxy", "node_modules", ".bin",
                                                "configurable-http-proxy")]
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(env('CRM_HUB_API_PORT', '8001'))}"
# On a 2-core server a class logging in at once queues instead of timing out.
c.JupyterHub.concurrent_spawn_limit = int(env("CRM_HUB_SPAWN_LIMIT", "20"))

# --- who may log in ----------------------------------------------------------------------------
c.JupyterHub.authenticator_class = "pam"
c.Authenticator.allowed_users = set()
c.PAMAuthenticator.allowed_groups = {STUDENTS_GROUP, INSTRUCTORS_GROUP}
c.Authenticator.admin_users = INSTRUCTORS
c.PAMAuthenticator.open_sessions = False  # no systemd-logind session per server (containers lack one)

# --- every user's server -----------------------------------------------------------------------
c.JupyterHub.spawner_class = "localprocess"
c.Spawner.cmd = [os.path.join(VENV, "bin", "jupyterhub-singleuser")]
c.Spawner.default_url = "/lab"
c.Spawner.notebook_dir = "~"
c.Spawner.environment = {
    # crmcourse, jupyter and nbgrader's `alembic` come from the course environment.
    "PATH": os.pathsep.join([os.path.join(VENV, "bin"), "/usr/local/bin", "/usr/bin", "/bin"]),
    # The exchange (nbgrader_config.py of the environment and of the instructor's course read it).
    "CRM_EXCHANGE": EXCHANGE,
    # A JupyterLab Terminal is a login shell, whose /etc/profile sets PATH afresh:
    # /etc/profile.d/crm-course.sh (deploy/setup-server.sh) puts this environment first again.
    "CRM_HUB_VENV": VENV,
    "PYTHONUNBUFFERED": "1",
}
# A class logging in at once on two cores: servers take longer than the defaults allow.
c.Spawner.start_timeout = int(env("CRM_HUB_START_TIMEOUT", "180"))
c.Spawner.http_timeout = int(env("CRM_HUB_START_TIMEOUT", "180"))
c.Spawner.args = ["--ServerApp.log_level=WARN"]
