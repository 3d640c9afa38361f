"""spaCy components of the sciatica pipeline: a domain lemmatizer and the red-flag detector."""
