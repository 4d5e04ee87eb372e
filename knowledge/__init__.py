"""The store's knowledge: catalog records, documents, their ingestion into Chroma, and retrieval.

Heavy libraries (chromadb, sentence-transformers) are imported inside the functions that need them.
"""
