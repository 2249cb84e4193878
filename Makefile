# Thin wrappers: scripts/dev installs what is missing and does the work.
.PHONY: run test bench screenshots package setup
run:
	bash scripts/dev run
test:
	bash scripts/dev test
bench:
	bash scripts/dev bench
screenshots:
	bash scripts/dev screenshots
setup:
	bash scripts/dev setup
package:
	bash scripts/dev package
