// Placeholder: the vm area tests land with the area.
