// Placeholder: the update_manager area tests land with the area.
