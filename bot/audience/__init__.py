"""The audience: customers across channels, their typed attributes, personal links, imports."""
