#include "testing/fake_clock.hpp"
