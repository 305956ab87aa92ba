"""The command line: the GUI's twin (see DESIGN.md, "CLI contract")."""
