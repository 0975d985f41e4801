// Placeholder: the appliance area tests land with the area.
