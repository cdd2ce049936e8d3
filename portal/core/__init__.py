"""What every module stands on: permissions registry, rendering, errors and the one commit per request,
clock, forms helpers, module registration, tasks, security, audit, paging. No domain imports."""
