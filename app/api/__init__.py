"""The HTTP API's shared plumbing, which knows no room: how a request is admitted (token, role,
rate limits), the project's Blueprint, one error envelope, shared fields, security headers,
streamed exports, static pages and the API's docs."""
