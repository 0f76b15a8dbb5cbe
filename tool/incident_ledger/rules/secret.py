"""Rule `secret`: credentials never land in a record.

Records are published and kept in git forever; a password pasted into a timeline entry
during an incident would be in every clone. Detection is Yelp's detect-secrets (a
maintained detector with per-provider patterns), not home-made regexes.

Only its pattern detectors run: cloud keys (AWS, Azure), private key blocks,
service tokens (GitHub, GitLab, Slack, Stripe, npm, PyPI, OpenAI, JWT, ...) and
passwords in URLs. Its entropy and keyword detectors are left out on purpose: incident
text is full of commit hashes, request ids and sentences such as "password reset
failed", which they flag; a check that cries wolf gets its findings ignored. Its
public-IP detector is left out too: addresses are ordinary incident evidence. So are its
IBM Cloud, Cloudant and SoftLayer detectors: they match a keyword near any long word,
and cost 70% of the scan (~1.2 of 1.7 ms per 5 KB record, measured here), which
`inc validate` pays on every record; add them to `PLUGINS` on IBM Cloud.

A line is allowed with the pragma detect-secrets documents, as a YAML comment at the
end of the line (`# pragma: allowlist secret`) or on the line before it
(`# pragma: allowlist nextline secret`).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import Problem
from ..secret_scan import Scanner
from ..yamlio import Document
from .base import Declare, Example, Kind, Rule

SECRET_RULES: list[Rule] = []
rule = Declare(SECRET_RULES, Kind.SECRET)
RULE = "secret"

# detect-secrets plugin classes (its own names); see the module docstring for the others.
PLUGINS = (
    "AWSKeyDetector",
    "ArtifactoryDetector",
    "AzureStorageKeyDetector",
    "BasicAuthDetector",
    "DiscordBotTokenDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "JwtTokenDetector",
    "MailchimpDetector",
    "NpmDetector",
    "OpenAIDetector",
    "PrivateKeyDetector",
    "PypiTokenDetector",
    "SendGridDetector",
    "SlackDetector",
    "SquareOAuthDetector",
    "StripeDetector",
    "TelegramBotTokenDetector",
    "TwilioKeyDetector",
)

_SCANNER = Scanner(PLUGINS)


def scan(path: str, text: str) -> list[Problem]:
    """Every credential-looking string in `text`, at its line and column."""
    return [
        Problem(
            path,
            found.line,
            found.col,
            RULE,
            f"this looks like a credential ({found.kind}); remove it and rotate it, since git keeps it in "
            "history. If it is not one, end the line with '# pragma: allowlist secret'",
        )
        for found in _SCANNER.scan(text)
    ]


@rule(
    RULE,
    failing=Example("investigation: The deploy job logged in with AKIAIOSFODNN7EXAMPLE.\n"),
    passing=Example("investigation: The deploy job logged in with the old deploy key (rotated since).\n"),
)
def no_credentials(document: Document) -> Iterator[Problem]:
    """No credentials in a record.

    Cloud keys (AWS, Azure), private key blocks, service tokens (GitHub, GitLab, Slack,
    Stripe, npm, PyPI, OpenAI, JWT and more) and passwords in URLs are found by
    detect-secrets' pattern detectors (its entropy and keyword detectors are not used:
    incident text is full of commit hashes and sentences like "password reset failed").
    Remove the secret and rotate it, since git keeps history. When a match is not a
    secret, end its line with `# pragma: allowlist secret` (or put
    `# pragma: allowlist nextline secret` on the line before).
    """
    yield from scan(document.path, document.text)
