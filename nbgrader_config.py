"""Lets nbgrader (command line and JupyterLab's formgrader) find the course from the repository root.

nbgrader reads nbgrader_config.py only from the working directory and Jupyter's config
folders, never from the course directory: so the course's own configuration
(assignments/nbgrader_config.py: safe grading, feedback without hidden tests, the exchange)
is loaded from here too. tests/test_grading.py checks both places give the same settings.
"""
import os

c = get_config()  # noqa: F821 (provided by nbgrader)
load_subconfig("nbgrader_config.py", os.path.join(os.path.dirname(os.path.abspath(__file__)), "assignments"))  # noqa: F821
