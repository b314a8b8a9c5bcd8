"""What the social care plugin knows of partners: the groups an organisation serves.

The partner list itself moved onto the core's partnership map (copractice/meetings, issue 15 point 5); the
plugin's own tables were copied there and dropped by its migration social_care_0002. The groups an organisation
serves are the plugin's field on the map (``copractice_organisation_fields``), stored by the core per organisation.
"""
GROUPS = {
    "older_people": "Older people", "unpaid_carers": "Unpaid carers", "young_carers": "Young carers",
    "learning_disabilities": "People with learning disabilities", "ethnic_minorities": "Ethnic minority communities",
    "lgbtq": "LGBTQ+ people", "rural": "Rural communities", "homeless": "People who are homeless",
    "refugees": "Refugees and people seeking asylum", "mental_health": "People with mental health problems",
}
