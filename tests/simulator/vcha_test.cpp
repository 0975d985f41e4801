// Placeholder: the vcha area tests land with the area.
