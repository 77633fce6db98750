"""The partners: import and listing (directory), the profile they edit, their customers
(contacts), customisations, what they see of the programme (view), their consent
(consent/) and their 120-day activation runway (runway/)."""
