# rampart: the two commands a newcomer needs.
#   make demo   attacks the example shops (Express and Flask) in report and block mode
#   make test   installs what this machine lacks, then runs every test suite

.PHONY: demo test setup
demo:
	./scripts/demo

test:
	./scripts/test

setup:
	./scripts/setup
