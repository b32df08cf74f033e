# make test: installs what the tests need (.ci/test-deps), then runs them.
# make screenshots: the browser tests, writing docs/screenshots.
# make run: Guichet with its embedded NATS and demo content on :8080.

BROWSER_PACKAGES = ./pages/...
# The tests of ./app that photograph pages: the conversation, the letters.
APP_SCREENSHOTS = TestConversationAboutAMissingDocument|TestLetterTemplates

.PHONY: test deps screenshots run

test: deps
	go test ./...

deps:
	@.ci/test-deps

screenshots: deps
	GUICHET_SCREENSHOTS=1 go test -count=1 $(BROWSER_PACKAGES)
	GUICHET_SCREENSHOTS=1 go test -count=1 -run '$(APP_SCREENSHOTS)' ./app

run:
	go run ./cmd/guichet
