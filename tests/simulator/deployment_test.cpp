// Placeholder: the deployment area tests land with the area.
