#!/usr/bin/env bash
# Makes sure the PostgreSQL JDBC driver (pgjdbc) and a JDK are present for
# tests/java/CopyManagerTest.java (run by tests/copy_clients.rs). The driver comes from
# Debian's libpostgresql-jdbc-java package (/usr/share/java/postgresql.jar), installed
# with apt-get when missing. Idempotent: does nothing when already set up.
set -euo pipefail

JAR="${PGSQLITE_JDBC_JAR:-/usr/share/java/postgresql.jar}"

if [ -f "$JAR" ] && command -v javac >/dev/null 2>&1 && command -v java >/dev/null 2>&1; then
    exit 0
fi

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    packages=()
    [ -f "$JAR" ] || packages+=(libpostgresql-jdbc-java)
    command -v javac >/dev/null 2>&1 || packages+=(openjdk-17-jdk-headless)
    echo "setup-java.sh: installing ${packages[*]} (apt-get)" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${packages[@]}" >/dev/null
else
    echo "setup-java.sh: $JAR and a JDK (javac) are required; install libpostgresql-jdbc-java" >&2
    exit 1
fi

if [ ! -f "$JAR" ]; then
    echo "setup-java.sh: $JAR is still missing after apt-get" >&2
    exit 1
fi
