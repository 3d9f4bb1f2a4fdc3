"""The meeting rules, in pure Python: no Flask, Socket.IO, Redis or marshmallow here."""
