"""Sample data for `campaign-engine demo`: a programme of partners with logos, colours
and contacts (programme.py), a runway signed over eight months (runway.py), and market
development funds in every state (mdf.py). An entry point's helper: it calls services."""
