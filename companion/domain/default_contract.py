"""The contract a new set starts from, before its members make it their own."""

# Written for this product from the practice of action learning; a set makes it its own.
DEFAULT_CONTRACT = (
    "This is a safe space: we can bring what is hard, unfinished or uncertain.",
    "What is said here stays here. We may share what we learned, never whose story it was.",
    "We treat each other with respect, and give each person our full attention.",
    "Our feedback is honest and meant to help: we support, and we challenge.",
    "Everyone has time to speak, and nobody needs to fill a silence.",
    "We do not judge the person or the choices they made.",
    "We ask questions and do not give advice: the presenter is the expert on their own issue.",
)
