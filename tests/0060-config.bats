#!/usr/bin/env bats
load helper
setup() { setup_dsq; }
