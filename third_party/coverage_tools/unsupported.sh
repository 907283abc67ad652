#!/bin/sh
echo "coverage is not supported in the offline vlmlab workspace" >&2
exit 1
