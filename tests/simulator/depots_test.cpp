// Placeholder: the depots area tests land with the area.
