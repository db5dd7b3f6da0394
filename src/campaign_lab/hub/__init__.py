"""A cohort's JupyterHub on one machine, where trainees cannot reach each other, the solutions or the hub.

* :mod:`.accounts`: one system account per hub user, the way The Littlest
  JupyterHub makes them (``jupyter-<name>``, home 0700), trainers in a group
  that may read the course folder, trainees not;
* :mod:`.course_access`: the course folder closed to trainees, open to trainers;
* :mod:`.limits`: memory, CPU and process limits per trainee in a control group;
* :mod:`.spawner`: the spawner that puts each server in its account and its group;
* :mod:`.tls`: HTTPS when the hub listens beyond this machine;
* :mod:`.roster`: a cohort's CSV turned into accounts and nbgrader students.

``graders/jupyterhub_config.py`` puts these together.
"""
