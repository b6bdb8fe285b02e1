#!/bin/sh
set -e
echo "creating user ${POSTGRES_NON_ROOT_USER} in ${POSTGRES_DB}"
