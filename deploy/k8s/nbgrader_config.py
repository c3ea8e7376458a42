"""nbgrader in every user's pod (deploy/k8s/Dockerfile installs it as the environment's configuration).

On Kubernetes every pod runs as the same Unix user (jovyan): nbgrader then takes the student id from
JUPYTERHUB_USER, and a shared folder cannot keep one student's files from another. The exchange is
therefore the nbexchange service (a JupyterHub service; deploy/k8s/values.yaml), which knows each
user from the hub; without it installed, the folder in CRM_EXCHANGE is used (a demo only).
"""
import importlib.util
import os

c = get_config()  # noqa: F821
c.CourseDirectory.course_id = "crm"

if importlib.util.find_spec("nbexchange") is not None:
    for step in ("exchange", "list", "release_assignment", "fetch_assignment", "submit", "collect",
                 "release_feedback", "fetch_feedback"):
        name = "Exchange" + "".join(part.title() for part in step.split("_")) if step != "exchange" else "Exchange"
        setattr(c.ExchangeFactory, step, f"nbexchange.plugin.{name}")
    c.Exchange.path_includes_course = True
else:
    c.Exchange.root = os.environ.get("CRM_EXCHANGE", "/srv/nbgrader/exchange")
