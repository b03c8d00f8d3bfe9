# Two entry points, as the README says. Everything else is plain SwiftPM.
.PHONY: demo test build release

demo:
	scripts/demo

test:
	scripts/test

build:
	swift build

release:
	swift build -c release
