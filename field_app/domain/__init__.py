"""The domain below the services: the shapes services take and give (plain pydantic models), and the
scope policy (who may see what). Nothing here knows HTTP or Flask."""
