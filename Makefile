.PHONY: run test bench
run:   ## set up and serve on http://127.0.0.1:5000 with demo data
	scripts/run.sh
test:  ## the whole test suite
	scripts/test.sh
bench: ## every benchmark in bench/
	for b in bench/*.py; do .venv/bin/python $$b || exit 1; done
