"""What keeps a misbehaving client from hurting a meeting: rate and connection limits, the browser's
security headers, and bounds on what a request may carry."""
