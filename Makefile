# rampart: the two commands a newcomer needs.
#   make test   installs what this machine lacks, then runs every test suite
#   make demo   (see README)

.PHONY: test setup
test:
	./scripts/test

setup:
	./scripts/setup
