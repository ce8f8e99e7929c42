from scalar.cli import main

main()
