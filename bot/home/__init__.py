"""The App Home: what each person sees by role (service) and its Block Kit (blocks)."""
