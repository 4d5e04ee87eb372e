"""A conversational shopping assistant for home appliances and furniture.

    from assistant import ShoppingAssistant
    bot = ShoppingAssistant.from_config()
    reply = bot.respond("shopper-1", "I need a quiet dishwasher under $600")
    print(reply.text, [p.name for p in reply.products])

Nothing heavy is imported here: ``ShoppingAssistant`` is resolved on first access.
"""

__version__ = "0.1.0"


def __getattr__(name: str):
    if name == "ShoppingAssistant":
        from assistant.dialogue.manager import ShoppingAssistant

        return ShoppingAssistant
    raise AttributeError(name)
