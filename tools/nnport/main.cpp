#include <iostream>

int main(int argc, char** argv) {
  std::cout << "nnport\n";
  return 0;
}
