"""CSRF protection, rate limiting and security headers."""

from __future__ import annotations

from flask import Flask, Response

from .extensions import csrf, limiter

#: No inline script anywhere: every script is a file under /static.
#: Stripe Checkout is reached by a redirect after a form POST, which
#: form-action governs in browsers that enforce it on redirects.
CSP = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self' https://checkout.stripe.com",
        "frame-ancestors 'none'",
    ]
)


def init_security(app: Flask) -> None:
    """Bind CSRF and the limiter, and add headers to every response."""
    csrf.init_app(app)
    limiter.init_app(app)

    @app.after_request
    def security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response
