"""Fine-tuning: training dialogues from the catalog, QLoRA adapter training, the report card."""
