"""DOCX output: the Word template of Decree 30 (decree30.docx), the script that builds it
(build_template.py) and the code that fills it (render.py). Inside this package `import docx` is
python-docx, not this folder: imports are absolute."""
