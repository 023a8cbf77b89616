#!/usr/bin/env bash
# The official Node gRPC client that TestJSGrpcClient drives.
set -euo pipefail
exec bash "$(dirname "$0")/../../vectordb/qdrantapi/grpcapi/testdata/jsclient/install.sh"
