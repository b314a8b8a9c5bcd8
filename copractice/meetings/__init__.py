"""Groups and their meetings (agenda, papers, minutes, actions, "you said, we did"), and the partnership map."""
