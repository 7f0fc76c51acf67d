"""The default configuration: season facts and rules, call centre, report plan, surveys, reminders.

Edit the YAML files here. They ship inside the package as `core.defaults`; a deployment
overrides any of them with a file of the same name in its own CONFIG_DIR (see .env.example).
"""
