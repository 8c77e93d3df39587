#!/bin/sh
set -e

if [ "$1" = "gunicorn" ]; then
    python -m app.migrate
fi

"$@"
