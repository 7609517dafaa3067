"""WeCom (企业微信) self-built application channel: client, renderer, callback endpoint."""
