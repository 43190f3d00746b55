// Placeholder: wiring comes with its component.
int main() { return 0; }
