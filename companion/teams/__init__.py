"""The Microsoft Teams app package: a manifest and two icons that point Teams at one deployment.

Teams hosts nothing of ours: the package only tells it where the companion lives, so it is built
for a base URL (``companion teams-package`` or ``GET /teams/app.zip``) and holds no secret.
"""
