"""The shopping conversation: sessions, intents, references, grounding guard, templated replies."""
