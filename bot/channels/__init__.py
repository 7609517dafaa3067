"""How updates reach the dispatcher: long polling, webhook (aiohttp server), or the console."""
