"""The Slack channel (slack-bolt).  The only package that imports ``slack_bolt`` / ``slack_sdk``."""
