"""Lets nbgrader (command line and JupyterLab's formgrader) find the course from the repository root.

The course's real configuration is assignments/nbgrader_config.py, which nbgrader
loads from the course directory named here.
"""
import os

c = get_config()  # noqa: F821 (provided by nbgrader)
c.CourseDirectory.root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "assignments")
