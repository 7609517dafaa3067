"""The policy as data and the pure logic over it. Never imports aiogram or the database."""
