"""How the doctors' device flat rates run on the platform: engine adapter, runtime, demo, pages."""
