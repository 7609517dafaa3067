"""The assessment's presentation model and its renderers: chart (matplotlib), HTML (Jinja2 with
autoescape) and Word (python-docx). Import the submodules: matplotlib and python-docx load only
when a chart or a report is drawn."""
